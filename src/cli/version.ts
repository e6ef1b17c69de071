// cli: berth's version, on its own so that `berth --version` loads nothing else.
export const berthVersion = '0.1.0';
