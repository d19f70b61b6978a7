-- One row per Odoo opportunity, with what a model reads and its outcome: won (a won stage), lost (archived with
-- probability 0) or open. Odoo's own probability is left out: it is 0 for every lost deal and would leak the outcome.
SELECT l.id, l.priority, l.expected_revenue, src.name AS source, t.name AS team, l.write_date,
       CASE WHEN s.is_won THEN 'won' WHEN NOT l.active AND l.probability = 0 THEN 'lost' ELSE 'open' END AS outcome
FROM crm_lead l
JOIN crm_stage s ON s.id = l.stage_id
LEFT JOIN utm_source src ON src.id = l.source_id
LEFT JOIN crm_team t ON t.id = l.team_id
WHERE l.type = 'opportunity'
