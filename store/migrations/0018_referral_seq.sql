-- Referrals take change numbers, as entries do: what another reader of
-- the store (a second instance on PostgreSQL; here the same code path)
-- missed is read after the last number it saw. Triggers stamp every
-- insert and every change, so no write can forget it.
ALTER TABLE referrals ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX referrals_seq ON referrals (seq);
CREATE TABLE referral_seq (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO referral_seq (id, seq) VALUES (1, 0);
CREATE TRIGGER referrals_seq_insert AFTER INSERT ON referrals BEGIN
    UPDATE referral_seq SET seq = seq + 1 WHERE id = 1;
    UPDATE referrals SET seq = (SELECT seq FROM referral_seq WHERE id = 1) WHERE id = NEW.id;
END;
CREATE TRIGGER referrals_seq_update AFTER UPDATE OF version, status, case_ref, doc ON referrals BEGIN
    UPDATE referral_seq SET seq = seq + 1 WHERE id = 1;
    UPDATE referrals SET seq = (SELECT seq FROM referral_seq WHERE id = 1) WHERE id = NEW.id;
END;
