-- The screens' queues read only what they list. The approval inbox:
-- submitted offers and approved ones with a provider's change waiting
-- (in the document; few at any time). The review queue: entries never
-- verified, verified long ago, or offers whose period ended.
CREATE INDEX entries_awaiting ON entries(kind, name, id)
    WHERE status = 'submitted' OR (status = 'approved' AND json_extract(doc, '$.pending_change') IS NOT NULL);
CREATE INDEX entries_period_end ON entries(kind, valid_until) WHERE valid_until IS NOT NULL;
