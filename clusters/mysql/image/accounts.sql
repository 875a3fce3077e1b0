-- The accounts every node of the mysql image starts with (the image's template data directory,
-- built by the Dockerfile). Clients log in as faultline, which may only read and write the
-- faultline database: read_only on a replica therefore refuses its writes (read_only spares
-- accounts with the READ ONLY ADMIN privilege). The harness configures replication and the failover
-- controller works as faultline_admin; replicas fetch the binary log as replicator.
CREATE DATABASE faultline;
CREATE USER 'faultline'@'%' IDENTIFIED BY 'faultline';
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP ON faultline.* TO 'faultline'@'%';
CREATE USER 'faultline_admin'@'%' IDENTIFIED BY 'faultline-admin';
GRANT ALL PRIVILEGES ON *.* TO 'faultline_admin'@'%' WITH GRANT OPTION;
CREATE USER 'replicator'@'%' IDENTIFIED BY 'replicator';
GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'replicator'@'%';
