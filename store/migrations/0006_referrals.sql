-- Referrals (Vermittlungen): a pseudonymous case connected to an entry.
-- The columns are what lists, capacity and figures filter on; the whole
-- referral (history, notes) is the JSON document. No foreign key to
-- entries: an erased volunteer's referrals stay as anonymous stubs for
-- the figures.
CREATE TABLE referrals (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    case_ref     TEXT NOT NULL,
    entry_id     TEXT NOT NULL,
    provider_id  TEXT,
    district_id  TEXT NOT NULL REFERENCES districts(id),
    department   TEXT NOT NULL,
    case_manager TEXT NOT NULL,
    status       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    active_since TEXT,
    ended_on     TEXT,
    doc          TEXT NOT NULL
) STRICT;
-- The places an entry's open referrals hold, counted in the write.
CREATE INDEX referrals_entry_status ON referrals(entry_id, status);
CREATE INDEX referrals_case_manager ON referrals(case_manager, created_at);
CREATE INDEX referrals_provider ON referrals(provider_id, created_at);
CREATE INDEX referrals_created ON referrals(created_at);
