-- Stage entries of Odoo opportunities, as `leadscore funnel --history-query` reads them: the stage each one was
-- created in (the old value of its first tracked stage change, else its stage now) at create_date; each tracked
-- stage change at the date of its chatter message; and Lost at date_closed (else write_date) for an opportunity
-- archived with probability 0, which is how Odoo marks a lost one. The value is the expected revenue of a won deal.
SELECT l.id AS lead_id, s.name AS stage, l.create_date AS entered_at,
       CASE WHEN s.is_won THEN l.expected_revenue END AS value, src.name AS source, t.name AS team
FROM crm_lead l
JOIN crm_stage s ON s.id = COALESCE(
    (SELECT v.old_value_integer
     FROM mail_tracking_value v
     JOIN mail_message m ON m.id = v.mail_message_id
     JOIN ir_model_fields f ON f.id = v.field_id
     WHERE m.model = 'crm.lead' AND m.res_id = l.id AND f.model = 'crm.lead' AND f.name = 'stage_id'
     ORDER BY m.date, v.id
     LIMIT 1),
    l.stage_id)
LEFT JOIN utm_source src ON src.id = l.source_id
LEFT JOIN crm_team t ON t.id = l.team_id
WHERE l.type = 'opportunity'
UNION ALL
SELECT l.id, s.name, m.date, CASE WHEN s.is_won THEN l.expected_revenue END, src.name, t.name
FROM mail_tracking_value v
JOIN mail_message m ON m.id = v.mail_message_id
JOIN ir_model_fields f ON f.id = v.field_id
JOIN crm_lead l ON l.id = m.res_id
JOIN crm_stage s ON s.id = v.new_value_integer
LEFT JOIN utm_source src ON src.id = l.source_id
LEFT JOIN crm_team t ON t.id = l.team_id
WHERE m.model = 'crm.lead' AND f.model = 'crm.lead' AND f.name = 'stage_id' AND l.type = 'opportunity'
UNION ALL
SELECT l.id, 'Lost', COALESCE(l.date_closed, l.write_date), NULL, src.name, t.name
FROM crm_lead l
LEFT JOIN utm_source src ON src.id = l.source_id
LEFT JOIN crm_team t ON t.id = l.team_id
WHERE l.type = 'opportunity' AND NOT l.active AND l.probability = 0
ORDER BY lead_id, entered_at
