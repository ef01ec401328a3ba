-- The search's synonyms: a word people type (key: its words folded, see
-- catalogue.synonymKey) and what it means besides itself. Seed fills the
-- list once, on the first start of the release that knows it, and notes
-- that in synonyms_seeded, so that a list staff emptied stays empty.
CREATE TABLE synonyms (
    key   TEXT PRIMARY KEY,
    word  TEXT NOT NULL,
    means TEXT NOT NULL
);
CREATE TABLE synonyms_seeded (done INTEGER NOT NULL);
