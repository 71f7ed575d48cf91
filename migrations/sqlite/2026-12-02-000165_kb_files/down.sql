DROP TABLE kb_files;
