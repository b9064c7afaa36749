# Entrypoint of images built from pypi:// sources (copied to /opt/mcpman/launch.py), the Python
# twin of launch.mjs with the same contract: the environment variables named in MCPMAN_SECRET_ENV
# are filled from the secret files Podman mounts (so secrets never sit in the container's
# configuration, where `podman inspect` would show them), and with MCPMAN_STDIO_PIPES set, stdin
# and stdout become the two FIFOs the manager made there, so MCP traffic bypasses the engine's
# attach relay. Then the package's console script runs in this same process.
#
# Usage: launch.py <distribution> <console script or ""> [args...]
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
        scripts = [ep for ep in distribution(dist_name).entry_points if ep.group == "console_scripts"]
    except PackageNotFoundError:
        sys.exit(f"mcpman launcher: {dist_name} is not installed in this image")
    chosen = [ep for ep in scripts if ep.name == wanted] if wanted else scripts
    if len(chosen) != 1:
        names = ", ".join(ep.name for ep in scripts) or "none"
        sys.exit(f"mcpman launcher: {dist_name} has console scripts {names}; cannot pick {wanted or 'one'}")
    return chosen[0]


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
