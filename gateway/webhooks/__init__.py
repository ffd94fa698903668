"""Receipt webhooks: every receipt row of an enterprise is POSTed, signed, to each of its webhook URLs.

WebhookDispatcher   scans new receipts, keeps the delivery log, sends what is due (a thread)
DeliveryLog         the `webhook_deliveries` table and the scan cursor (SQL adapter)
HttpSender          httpx POST with timeouts; foreign exceptions stop here
RetryPolicy         exponential backoff with jitter, then `failed`
"""
