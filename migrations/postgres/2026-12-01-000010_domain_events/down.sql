DROP TABLE event_consumers;
DROP TABLE domain_events;
