-- The day an active referral's next check-in is due, for the list of
-- follow-ups due.
ALTER TABLE referrals ADD COLUMN next_follow_up TEXT;
CREATE INDEX referrals_follow_up ON referrals(next_follow_up) WHERE next_follow_up IS NOT NULL;
