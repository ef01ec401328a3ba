-- The catalogue's tables in PostgreSQL: what the SQLite store's migrations
-- 0001 to 0017 built, in one step. Times are timestamptz, documents jsonb.

CREATE TABLE districts (
    id       text PRIMARY KEY,
    name     text NOT NULL,
    position integer NOT NULL,
    doc      jsonb NOT NULL
);

CREATE TABLE terms (
    vocabulary  text NOT NULL CHECK (vocabulary IN ('themes', 'help-kinds', 'target-groups', 'offer-categories')),
    code        text NOT NULL,
    label       text NOT NULL,
    theme       text,
    minors      boolean NOT NULL DEFAULT false,
    provided_by text,
    needs_car   boolean,
    position    integer NOT NULL,
    PRIMARY KEY (vocabulary, code)
);

CREATE TABLE providers (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    status     text NOT NULL,
    version    bigint NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    doc        jsonb NOT NULL
);

CREATE TABLE provider_districts (
    provider_id text NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    district_id text NOT NULL REFERENCES districts(id),
    PRIMARY KEY (provider_id, district_id)
);

CREATE TABLE entries (
    id          text PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('volunteer', 'neighbourhood_help', 'offer')),
    name        text NOT NULL,
    status      text NOT NULL,
    provider_id text REFERENCES providers(id),
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    verified_at timestamptz,
    valid_from  text,
    valid_until text,
    doc         jsonb NOT NULL,
    seq         bigint NOT NULL
);
CREATE INDEX entries_kind_status ON entries (kind, status, name, id);
CREATE INDEX entries_kind_name ON entries (kind, name, id);
CREATE INDEX entries_provider ON entries (provider_id);
CREATE INDEX entries_verified ON entries (verified_at);
CREATE INDEX entries_seq ON entries (seq);
CREATE INDEX entries_period_end ON entries (kind, valid_until) WHERE valid_until IS NOT NULL;

CREATE TABLE entry_districts (
    entry_id    text NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    district_id text NOT NULL REFERENCES districts(id),
    PRIMARY KEY (entry_id, district_id)
);
CREATE INDEX entry_districts_district ON entry_districts (district_id, entry_id);

CREATE TABLE entry_help_kinds (
    entry_id   text NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    vocabulary text NOT NULL DEFAULT 'help-kinds' CHECK (vocabulary = 'help-kinds'),
    code       text NOT NULL,
    PRIMARY KEY (entry_id, code),
    FOREIGN KEY (vocabulary, code) REFERENCES terms (vocabulary, code)
);
CREATE INDEX entry_help_kinds_code_entry ON entry_help_kinds (code, entry_id);

-- One row: the change number. A write takes the next one by updating the
-- row, whose lock it holds until it commits, so numbers follow commit order.
CREATE TABLE change_seq (
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO change_seq (id, seq) VALUES (1, 0);

CREATE TABLE erasures (
    id  text PRIMARY KEY,
    seq bigint NOT NULL
);
CREATE INDEX erasures_seq ON erasures (seq);

CREATE TABLE tokens (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('admin', 'ressourcenmanager', 'fallmanager', 'traeger')),
    provider_id text REFERENCES providers(id),
    secret_hash bytea NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    districts   jsonb NOT NULL DEFAULT '[]'
);

CREATE TABLE audit_log (
    seq        bigserial PRIMARY KEY,
    at         timestamptz NOT NULL,
    token_id   text NOT NULL,
    token_name text NOT NULL,
    action     text NOT NULL,
    kind       text NOT NULL,
    entry_ids  jsonb NOT NULL
);
CREATE INDEX audit_log_entry_ids ON audit_log USING gin (entry_ids jsonb_path_ops);
CREATE INDEX audit_log_token ON audit_log (token_id, seq);

CREATE TABLE unmet_needs (
    district_id text NOT NULL REFERENCES districts(id),
    help_kind   text NOT NULL,
    month       text NOT NULL,
    count       integer NOT NULL,
    PRIMARY KEY (district_id, help_kind, month)
);

CREATE TABLE unmet_cases (
    case_key    text NOT NULL,
    district_id text NOT NULL,
    help_kind   text NOT NULL,
    month       text NOT NULL,
    PRIMARY KEY (case_key, district_id, help_kind, month)
);

CREATE TABLE synonyms (
    key   text PRIMARY KEY,
    word  text NOT NULL,
    means text NOT NULL
);
CREATE TABLE synonyms_seeded (done integer NOT NULL);
