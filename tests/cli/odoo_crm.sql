-- A tiny CRM in the shape of Odoo's tables (the columns the queries of examples/odoo/ read), valid SQL for both
-- SQLite and PostgreSQL. Times are UTC, as Odoo stores them. Opportunities: 1 and 5 won, 2 and 7 lost, 3 and 4
-- open, 6 a lead (not an opportunity); message 9 tracks a stage_id of another model on res_id 4. Messages 10 to 12 are
-- an email and a note on opportunity 1 and an email on 3 (engagement events); 13 is on lead 6, 14 on another model.
CREATE TABLE crm_stage (id integer PRIMARY KEY, name varchar NOT NULL, sequence integer, is_won boolean);
CREATE TABLE crm_team (id integer PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE utm_source (id integer PRIMARY KEY, name varchar NOT NULL);
CREATE TABLE ir_model_fields (id integer PRIMARY KEY, model varchar NOT NULL, name varchar NOT NULL);
CREATE TABLE crm_lead (
  id integer PRIMARY KEY, name varchar, type varchar, active boolean, stage_id integer, team_id integer,
  source_id integer, expected_revenue numeric, probability double precision, priority varchar,
  create_date timestamp, write_date timestamp, date_closed timestamp);
CREATE TABLE mail_message (id integer PRIMARY KEY, model varchar, res_id integer, date timestamp, message_type varchar);
CREATE TABLE mail_tracking_value (
  id integer PRIMARY KEY, field_id integer, old_value_integer integer, new_value_integer integer,
  mail_message_id integer);
INSERT INTO crm_stage VALUES (1, 'New', 1, FALSE), (2, 'Qualified', 2, FALSE), (3, 'Proposition', 3, FALSE),
  (4, 'Won', 70, TRUE);
INSERT INTO crm_team VALUES (1, 'Sales'), (2, 'Website');
INSERT INTO utm_source VALUES (1, 'Search engine'), (2, 'Newsletter');
INSERT INTO ir_model_fields VALUES (100, 'crm.lead', 'stage_id'), (101, 'crm.lead', 'active'),
  (102, 'project.task', 'stage_id');
INSERT INTO crm_lead VALUES
  (1, 'Acme', 'opportunity', TRUE, 4, 1, 1, 12000, 100, '2', '2024-01-02 09:00:00', '2024-01-20 10:00:00', '2024-01-20 10:00:00'),
  (2, 'Bolt', 'opportunity', FALSE, 2, 1, 2, 5000, 0, '1', '2024-01-03 08:00:00', '2024-01-15 12:00:00', '2024-01-15 12:00:00'),
  (3, 'Cog', 'opportunity', TRUE, 3, 2, 1, 8000, 40, '1', '2024-01-04 14:00:00', '2024-01-18 09:00:00', NULL),
  (4, 'Dyn', 'opportunity', TRUE, 1, 2, NULL, 3000, 10, '0', '2024-01-10 10:00:00', '2024-01-10 10:00:00', NULL),
  (5, 'Echo', 'opportunity', TRUE, 4, 2, 2, 20000, 100, '3', '2024-01-05 09:00:00', '2024-01-12 16:00:00', '2024-01-12 16:00:00'),
  (6, 'Fern', 'lead', TRUE, 1, 1, 1, 500, 10, '0', '2024-01-06 09:00:00', '2024-01-06 09:00:00', NULL),
  (7, 'Gum', 'opportunity', FALSE, 1, 1, 1, 1000, 0, '0', '2024-01-08 11:00:00', '2024-01-25 09:00:00', '2024-01-09 15:00:00');
INSERT INTO mail_message VALUES
  (1, 'crm.lead', 1, '2024-01-05 10:00:00', 'notification'), (2, 'crm.lead', 1, '2024-01-10 11:00:00', 'notification'),
  (3, 'crm.lead', 1, '2024-01-20 10:00:00', 'notification'), (4, 'crm.lead', 2, '2024-01-08 09:30:00', 'notification'),
  (5, 'crm.lead', 2, '2024-01-15 12:00:00', 'notification'), (6, 'crm.lead', 3, '2024-01-06 10:00:00', 'notification'),
  (7, 'crm.lead', 5, '2024-01-12 16:00:00', 'notification'), (8, 'crm.lead', 6, '2024-01-07 09:00:00', 'notification'),
  (9, 'project.task', 4, '2024-01-11 08:00:00', 'notification'), (10, 'crm.lead', 1, '2024-01-03 09:00:00', 'email'),
  (11, 'crm.lead', 1, '2024-01-04 09:00:00', 'comment'), (12, 'crm.lead', 3, '2024-01-05 11:00:00', 'email'),
  (13, 'crm.lead', 6, '2024-01-06 10:00:00', 'email'), (14, 'project.task', 3, '2024-01-07 08:00:00', 'email');
INSERT INTO mail_tracking_value VALUES
  (1, 100, 1, 2, 1), (2, 100, 2, 3, 2), (3, 100, 3, 4, 3), (4, 100, 1, 2, 4), (5, 101, 1, 0, 5), (6, 100, 1, 3, 6),
  (7, 100, 2, 4, 7), (8, 100, 1, 2, 8), (9, 102, 1, 4, 9);
