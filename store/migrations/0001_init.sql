-- Reference data: districts, quarters and the taxonomy.
CREATE TABLE districts (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    position     INTEGER NOT NULL,
    doc          TEXT NOT NULL -- population, staffing, quarters as JSON
) STRICT;

CREATE TABLE terms (
    vocabulary TEXT NOT NULL CHECK (vocabulary IN ('themes', 'help-kinds', 'target-groups', 'offer-categories')),
    code       TEXT NOT NULL,
    label      TEXT NOT NULL,
    theme      TEXT,
    minors     INTEGER NOT NULL DEFAULT 0,
    position   INTEGER NOT NULL,
    PRIMARY KEY (vocabulary, code)
) STRICT;

CREATE TABLE providers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc        TEXT NOT NULL
) STRICT;

CREATE TABLE provider_districts (
    provider_id TEXT NOT NULL REFERENCES providers(id) ON DELETE CASCADE,
    district_id TEXT NOT NULL REFERENCES districts(id),
    PRIMARY KEY (provider_id, district_id)
) STRICT;

-- All three kinds of entries share one table: the review queue, search and
-- matching look across kinds. Filter columns are real columns; the rest of
-- an entry is a JSON document the store does not interpret.
CREATE TABLE entries (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('volunteer', 'neighbourhood_help', 'offer')),
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    provider_id TEXT REFERENCES providers(id),
    version     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    verified_at TEXT,
    valid_from  TEXT,
    valid_until TEXT,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX entries_kind_status ON entries(kind, status, name);
CREATE INDEX entries_provider ON entries(provider_id);
CREATE INDEX entries_verified ON entries(verified_at);

CREATE TABLE entry_districts (
    entry_id    TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    district_id TEXT NOT NULL REFERENCES districts(id),
    PRIMARY KEY (entry_id, district_id)
) STRICT;
CREATE INDEX entry_districts_district ON entry_districts(district_id);

CREATE TABLE entry_help_kinds (
    entry_id   TEXT NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    vocabulary TEXT NOT NULL DEFAULT 'help-kinds' CHECK (vocabulary = 'help-kinds'),
    code       TEXT NOT NULL,
    PRIMARY KEY (entry_id, code),
    FOREIGN KEY (vocabulary, code) REFERENCES terms(vocabulary, code)
) STRICT;
CREATE INDEX entry_help_kinds_code ON entry_help_kinds(code);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'ressourcenmanager', 'fallmanager', 'traeger')),
    provider_id TEXT REFERENCES providers(id),
    secret_hash BLOB NOT NULL,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
) STRICT;

-- Who read or changed personal data (domain.md, data protection).
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    token_id   TEXT NOT NULL,
    token_name TEXT NOT NULL,
    action     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    entry_ids  TEXT NOT NULL
) STRICT;
