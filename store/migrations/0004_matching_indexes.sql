-- Covering indexes for matching, which asks for the id, kind and change
-- number of every entry offering a kind of help: answered from the indexes
-- alone, without reading the entries' documents.
CREATE INDEX entry_help_kinds_code_entry ON entry_help_kinds(code, entry_id);
DROP INDEX entry_help_kinds_code;
CREATE INDEX entries_stamp ON entries(id, kind, status, seq);
