-- auth and files each get a database of their own.
CREATE DATABASE fu_auth;
CREATE DATABASE fu_files;
