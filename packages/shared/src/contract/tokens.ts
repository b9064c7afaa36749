/** What a token (or any identity) may use. Undefined lists mean "all". */
export interface Grant {
  readonly servers?: readonly string[];
  /** `server__tool` names. */
  readonly tools?: readonly string[];
  /** Profiles it is limited to: it may use only their endpoints (`/profiles/<name>/…`). */
  readonly profiles?: readonly string[];
  readonly admin: boolean;
}

/** Public view of a token for `ls` and the API: no salt, no hash. */
export interface TokenInfo extends Grant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
}
