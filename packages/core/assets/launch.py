# Entrypoint of images built from pypi:// sources (copied to /opt/mcpman/launch.py), the Python
# twin of launch.mjs with the same contract: the environment variables named in MCPMAN_SECRET_ENV
# are filled from the secret files Podman mounts (so secrets never sit in the container's
# configuration, where `podman inspect` would show them), and with MCPMAN_STDIO_PIPES set, stdin
# and stdout become the two FIFOs the manager made there, so MCP traffic bypasses the engine's
# attach relay. Then the package's console script runs in this same process.
#
# Usage: launch.py <distribution> <console script> [args...] (the image names the script it chose
# when it was built).
import os
import sys
from importlib.metadata import PackageNotFoundError, distribution

SECRETS_DIR = "/run/mcpman/secrets"


def take_pipes() -> None:
    pipes = os.environ.pop("MCPMAN_STDIO_PIPES", "")
    if not pipes:
        return
    # Each open waits for the manager's end of the FIFO, which it opens right after starting us.
    for fd, name, flags in ((0, "stdin", os.O_RDONLY), (1, "stdout", os.O_WRONLY)):
        opened = os.open(f"{pipes}/{name}", flags)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, "r", encoding="utf-8", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", closefd=False)


def fill_secrets() -> None:
    mapping = os.environ.pop("MCPMAN_SECRET_ENV", "")
    for pair in filter(None, mapping.split(",")):
        variable, secret = pair.split("=", 1)
        with open(f"{SECRETS_DIR}/{secret}", encoding="utf-8") as file:
            os.environ[variable] = file.read()


def console_script(dist_name: str, wanted: str):
    try:
        points = distribution(dist_name).entry_points
    except PackageNotFoundError:
        sys.exit(f"mcpman launcher: {dist_name} is not installed in this image")
    scripts = {ep.name: ep for ep in points if ep.group == "console_scripts"}
    if wanted not in scripts:
        sys.exit(f"mcpman launcher: {dist_name} has no console script {wanted} ({', '.join(scripts) or 'none'})")
    return scripts[wanted]


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit("usage: launch.py <distribution> <console script> [args...]")
    dist_name, wanted, *args = sys.argv[1:]
    script = console_script(dist_name, wanted)
    take_pipes()
    fill_secrets()
    sys.argv = [script.name, *args]
    sys.exit(script.load()())


main()
