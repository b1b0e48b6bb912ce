DROP TABLE bot_commands;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
