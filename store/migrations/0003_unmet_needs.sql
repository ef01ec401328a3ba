-- Needs no entry met: counted per district, kind of help and month,
-- nothing about the person (domain.md: Lücken im Hilfesystem).
CREATE TABLE unmet_needs (
    district_id TEXT NOT NULL REFERENCES districts(id),
    help_kind   TEXT NOT NULL,
    month       TEXT NOT NULL,
    count       INTEGER NOT NULL,
    PRIMARY KEY (district_id, help_kind, month)
) STRICT;
