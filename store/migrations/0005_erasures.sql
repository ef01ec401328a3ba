-- An erasure leaves a tombstone: the erased id (pseudonymous, no personal
-- data; the audit log names it too) and the change number it took, so
-- that a derived view behind the database learns of it from the change
-- numbers alone, without a rebuild.
CREATE TABLE erasures (
    id  TEXT PRIMARY KEY,
    seq INTEGER NOT NULL
) STRICT;
CREATE INDEX erasures_seq ON erasures(seq);
-- Changes after a change number, for a view catching up.
CREATE INDEX entries_seq ON entries(seq);
-- Lists walk entries of a kind in name order and stop after the page,
-- instead of sorting every entry of the kind.
CREATE INDEX entries_kind_name ON entries(kind, name, id, status);
