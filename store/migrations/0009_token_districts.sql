-- A ressourcenmanager token can be bound to the districts it is
-- responsible for (a JSON array of district ids); empty is city-wide, as
-- every token issued before.
ALTER TABLE tokens ADD COLUMN districts TEXT NOT NULL DEFAULT '[]';
