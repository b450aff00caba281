-- Command Center on a shared PostgreSQL server: two roles, least privilege.
-- Run as a superuser (psql -v ON_ERROR_STOP=1 -f roles.sql), then once as
-- commandcenter_owner: commandcenter --database-url postgresql://commandcenter_owner@HOST/commandcenter db upgrade
-- Every workstation then uses commandcenter_app. README: "Running a team on one PostgreSQL server".

-- Owns the schema and runs the migrations; nobody works as it day to day.
CREATE ROLE commandcenter_owner LOGIN;
CREATE DATABASE commandcenter OWNER commandcenter_owner;
-- What the workstations log in as.
CREATE ROLE commandcenter_app LOGIN;

\connect commandcenter
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO commandcenter_app;
GRANT CONNECT ON DATABASE commandcenter TO commandcenter_app;
-- Tables and sequences the owner creates from now on (every migration, the first included).
ALTER DEFAULT PRIVILEGES FOR ROLE commandcenter_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO commandcenter_app;
ALTER DEFAULT PRIVILEGES FOR ROLE commandcenter_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO commandcenter_app;
