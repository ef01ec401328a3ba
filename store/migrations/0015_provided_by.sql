-- Which kinds of entry typically give a kind of help (a comma list of
-- volunteer, neighbourhood_help, offer): matching prefers them. NULL until
-- the release that knows it fills it in for the shipped help kinds (Seed);
-- staff change it through the taxonomy.
ALTER TABLE terms ADD COLUMN provided_by TEXT;
