# --- Fanout: tick publishes {"community": ID}; run_community handles each --------------

resource "google_pubsub_topic" "fanout" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name                       = "${var.name_prefix}-fanout"
  message_retention_duration = "86400s"
  depends_on                 = [google_project_service.apis]
}

# Only tick publishes a community's turn.
resource "google_pubsub_topic_iam_member" "tick_publishes_fanout" {
  topic  = google_pubsub_topic.fanout.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.tick.email}"
}

# Dead letters. Eventarc creates and owns the push subscription behind run_community's
# trigger, and neither the function nor the trigger resource can give it a dead-letter
# policy, so this topic is attached to that subscription by one gcloud command after
# apply (output `attach_dead_letter_command`, README: "Dead letters"). Until then a
# failing message is retried with backoff for the subscription's retention (24 hours);
# a message that is lost anyway costs little: the next tick, 15 minutes later,
# publishes every community again and the jobs' claims make reruns harmless.
resource "google_pubsub_topic" "fanout_dead_letter" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name                       = "${var.name_prefix}-fanout-dead-letter"
  message_retention_duration = "604800s"
  depends_on                 = [google_project_service.apis]
}

resource "google_pubsub_subscription" "fanout_dead_letter" {
  name                       = "${var.name_prefix}-fanout-dead-letter"
  topic                      = google_pubsub_topic.fanout_dead_letter.id
  message_retention_duration = "604800s" # 7 days to look at what failed
  ack_deadline_seconds       = 60

  expiration_policy {
    ttl = "" # never expires for lack of pulls
  }
}

resource "google_pubsub_topic_iam_member" "pubsub_forwards_dead_letters" {
  topic  = google_pubsub_topic.fanout_dead_letter.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${local.pubsub_service_agent}"
}

# --- Gmail push notifications (for the Gmail inbox) --------------------------------------
# The tick calls users.watch on the inbox mailbox with this topic (COP_GMAIL_TOPIC) once a
# day, and Gmail publishes a notification here on each new inbox message, as
# gmail-api-push@system.gserviceaccount.com. The inbox function's trigger subscribes; the
# tick also polls the mailbox, so a lost notification only delays a reply.

resource "google_pubsub_topic" "gmail_push" {
  #checkov:skip=CKV_GCP_83:Short-lived notifications (a community id; a mailbox address and history id); Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  name       = "${var.name_prefix}-gmail-push"
  depends_on = [google_project_service.apis]
}

resource "google_pubsub_topic_iam_member" "gmail_publishes_push" {
  topic  = google_pubsub_topic.gmail_push.id
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:gmail-api-push@system.gserviceaccount.com"
}
