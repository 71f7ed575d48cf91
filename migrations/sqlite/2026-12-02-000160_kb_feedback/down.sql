DROP TABLE kb_form_clicks;
DROP TABLE kb_article_stats;
DROP TABLE kb_votes;
