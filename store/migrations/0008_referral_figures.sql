-- What the district figures sum: the outcome of an ended referral and the
-- monthly cost of the measure it replaces.
ALTER TABLE referrals ADD COLUMN outcome TEXT;
ALTER TABLE referrals ADD COLUMN monthly_cost REAL;
CREATE INDEX referrals_district ON referrals(district_id, status);
