-- People's accounts for the web app, and the sessions a log-in opens
-- (only a hash of the session's secret is stored).
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	username TEXT NOT NULL UNIQUE,
	display_name TEXT NOT NULL,
	role TEXT NOT NULL,
	provider_id TEXT REFERENCES providers(id),
	districts TEXT NOT NULL DEFAULT '[]',
	disabled INTEGER NOT NULL DEFAULT 0,
	password_hash TEXT NOT NULL,
	failed_logins INTEGER NOT NULL DEFAULT 0,
	locked_until TEXT,
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL
);
CREATE TABLE sessions (
	hash BLOB PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	csrf TEXT NOT NULL,
	created_at TEXT NOT NULL,
	last_seen TEXT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);
