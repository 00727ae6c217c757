-- Run by the postgres image on an empty data volume only: one database per service.
CREATE DATABASE identity;
CREATE DATABASE offers;
CREATE DATABASE matching;
CREATE DATABASE conventions;
CREATE DATABASE notifications;
