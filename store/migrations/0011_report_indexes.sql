-- The district report counts every entry and referral: covering indexes
-- let it read these few columns instead of the rows with their documents.
CREATE INDEX entries_report ON entries(id, kind, status, verified_at, valid_until);
CREATE INDEX referrals_report ON referrals(created_at, ended_on, district_id, department, status, outcome, active_since, monthly_cost);
