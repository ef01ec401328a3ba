-- An unmet need is counted once per case, district, kind of help and
-- month: the cases already counted, by a hash of their pseudonymous
-- reference (the reference itself is not kept).
CREATE TABLE unmet_cases (
    case_key    TEXT NOT NULL,
    district_id TEXT NOT NULL,
    help_kind   TEXT NOT NULL,
    month       TEXT NOT NULL,
    PRIMARY KEY (case_key, district_id, help_kind, month)
) STRICT, WITHOUT ROWID;
-- Gaps in the help system that staff record, forward to the city's
-- planners and close by naming what now fills them.
CREATE TABLE gaps (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    district_id TEXT NOT NULL REFERENCES districts(id),
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    closed_on   TEXT,
    doc         TEXT NOT NULL
) STRICT;
CREATE INDEX gaps_district ON gaps(district_id, status);
