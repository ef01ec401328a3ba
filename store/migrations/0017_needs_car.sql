-- Whether the helper needs a car for a kind of help (Fahrdienst): a
-- volunteer without one is suggested with the drawback "kein Auto". NULL
-- until Seed fills in the shipped help kinds; staff change it through the
-- taxonomy.
ALTER TABLE terms ADD COLUMN needs_car INTEGER;
