-- The district figures are counted in memory now (report's tally); the
-- store is read once at start, in key order, for these few columns: the
-- covering indexes serve that read instead of the rows with documents.
DROP INDEX entries_report;
DROP INDEX referrals_report;
CREATE INDEX entries_facts ON entries(id, kind, status, verified_at, valid_until, seq);
CREATE INDEX referrals_facts ON referrals(id, version, district_id, department, status, outcome, created_at, active_since, ended_on, monthly_cost);
