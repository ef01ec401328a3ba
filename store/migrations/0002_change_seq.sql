-- Every write to an entry takes the next change number. The search index
-- remembers the last number it applied, so a start can tell in O(1)
-- whether the index missed a change (a crash between commit and index).
CREATE TABLE change_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
) STRICT;
INSERT INTO change_seq (id, seq) VALUES (1, 0);
ALTER TABLE entries ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE change_seq SET seq = (SELECT COUNT(*) FROM entries);
UPDATE entries SET seq = (SELECT COUNT(*) FROM entries e2 WHERE e2.rowid <= entries.rowid);
