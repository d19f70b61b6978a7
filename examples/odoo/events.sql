-- Engagement events of Odoo opportunities, as `leadscore --events-query` reads them: each email and each logged
-- note in an opportunity's chatter (mail_message of message_type email or comment), at the message's date, the
-- message type as the event type (train --event-counts email,comment). Tracking notifications are left out: the
-- stage history query reads them.
SELECT m.res_id AS lead_id, m.date AS time, m.message_type AS type
FROM mail_message m
JOIN crm_lead l ON l.id = m.res_id
WHERE m.model = 'crm.lead' AND m.message_type IN ('email', 'comment') AND l.type = 'opportunity'
ORDER BY lead_id, time
