-- Referrals, gaps and accounts in PostgreSQL: the SQLite store's
-- migrations 0006 to 0014 for them, in one step.

CREATE TABLE referrals (
    id             text PRIMARY KEY,
    version        bigint NOT NULL,
    case_ref       text NOT NULL,
    entry_id       text NOT NULL,
    provider_id    text,
    district_id    text NOT NULL REFERENCES districts(id),
    department     text NOT NULL,
    case_manager   text NOT NULL,
    status         text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    active_since   text,
    ended_on       text,
    next_follow_up text,
    outcome        text,
    monthly_cost   double precision,
    doc            jsonb NOT NULL
);
CREATE INDEX referrals_entry_status ON referrals (entry_id, status);
CREATE INDEX referrals_case_manager ON referrals (case_manager, created_at);
CREATE INDEX referrals_provider ON referrals (provider_id, created_at);
CREATE INDEX referrals_created ON referrals (created_at);
CREATE INDEX referrals_follow_up ON referrals (next_follow_up) WHERE next_follow_up IS NOT NULL;
CREATE INDEX referrals_district ON referrals (district_id, status);

CREATE TABLE gaps (
    id          text PRIMARY KEY,
    version     bigint NOT NULL,
    district_id text NOT NULL REFERENCES districts(id),
    status      text NOT NULL,
    created_at  timestamptz NOT NULL,
    closed_on   text,
    doc         jsonb NOT NULL
);
CREATE INDEX gaps_district ON gaps (district_id, status);

CREATE TABLE accounts (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL,
    provider_id   text REFERENCES providers(id),
    districts     jsonb NOT NULL DEFAULT '[]',
    disabled      boolean NOT NULL DEFAULT false,
    password_hash text NOT NULL,
    failed_logins integer NOT NULL DEFAULT 0,
    locked_until  timestamptz,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
    hash       bytea PRIMARY KEY,
    account_id text NOT NULL REFERENCES accounts(id),
    csrf       text NOT NULL,
    created_at timestamptz NOT NULL,
    last_seen  timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
