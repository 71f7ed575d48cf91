DROP TABLE kb_deflections;
