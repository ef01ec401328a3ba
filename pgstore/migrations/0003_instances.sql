-- Several instances on one database. Referrals take change numbers, as
-- entries do, from a one-row counter each write holds locked until it
-- commits (numbers in commit order); what an instance missed is read
-- after the last number it saw. Every commit that changes what an
-- instance keeps derived or cached tells the others (NOTIFY massanzug,
-- payload "topic:instance"; the instance is the connection's
-- massanzug.instance setting), so they need not poll.

ALTER TABLE referrals ADD COLUMN seq bigint NOT NULL DEFAULT 0;
CREATE INDEX referrals_seq ON referrals (seq);
CREATE TABLE referral_seq (
    id  integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL
);
INSERT INTO referral_seq (id, seq) VALUES (1, 0);

CREATE FUNCTION referral_seq_next() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE referral_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq INTO NEW.seq;
    RETURN NEW;
END $$;
CREATE TRIGGER referrals_seq BEFORE INSERT OR UPDATE ON referrals
    FOR EACH ROW EXECUTE FUNCTION referral_seq_next();

CREATE FUNCTION notify_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('massanzug', TG_ARGV[0] || ':' || COALESCE(current_setting('massanzug.instance', true), ''));
    RETURN NULL;
END $$;
CREATE TRIGGER entries_notify AFTER INSERT OR UPDATE OR DELETE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_commit('entries');
CREATE TRIGGER referrals_notify AFTER INSERT OR UPDATE ON referrals
    FOR EACH STATEMENT EXECUTE FUNCTION notify_commit('referrals');
CREATE TRIGGER districts_notify AFTER INSERT OR UPDATE OR DELETE ON districts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_commit('reference');
CREATE TRIGGER terms_notify AFTER INSERT OR UPDATE OR DELETE ON terms
    FOR EACH STATEMENT EXECUTE FUNCTION notify_commit('reference');
CREATE TRIGGER synonyms_notify AFTER INSERT OR UPDATE OR DELETE ON synonyms
    FOR EACH STATEMENT EXECUTE FUNCTION notify_commit('reference');
