# The four Cloud Functions (gen2), built from a zip of the repository root.

locals {
  # Paths left out of the source zip, relative to the repository root (glob patterns).
  # Cloud Functions installs requirements.txt; tests, tooling and local state stay home.
  source_excludes = [
    ".git",
    ".venv",
    ".venv-checkov",
    ".data",
    ".bench",
    ".ci",
    "benchmarks",
    ".hypothesis",
    ".pytest_cache",
    "infra",
    "tests",
    "node_modules",
    "**/node_modules",
    "**/__pycache__",
    "**/*.pyc",
    "pyproject.toml", # test settings only; the buildpack installs requirements.txt
    "requirements-dev.txt",
  ]

  # The entry points live in functions/main.py (the package `functions`), not in a
  # main.py at the root: the buildpack is told where they are.
  build_env = {
    GOOGLE_FUNCTION_SOURCE = "functions/main.py"
  }

  # Settings of every function (functions/config.py). COP_SECRET is not here: it comes
  # from Secret Manager (secret_environment_variables below).
  cop_env = {
    COP_STORE            = "firestore://${var.project_id}/${google_firestore_database.main.name}"
    COP_MAIL             = "gmail://${var.sender}"
    COP_INBOX            = "gmail://${coalesce(var.inbox_mailbox, var.sender)}"
    COP_CALENDAR         = "google://${coalesce(var.calendar_id, var.sender)}"
    COP_FANOUT           = "pubsub://${google_pubsub_topic.fanout.id}"
    COP_GMAIL_TOPIC      = google_pubsub_topic.gmail_push.id # tick renews the inbox's watch
    COP_PUBLIC_URL       = local.public_url
    COP_REPLY_TO         = coalesce(var.reply_to, var.inbox_mailbox, var.sender)
    COP_TRUSTED_AUTHSERV = var.trusted_authserv
    COP_MAIL_RATE        = tostring(var.mail_rate)
    COP_MAIL_DAILY_CAP   = tostring(var.mail_daily_cap)
    COP_SEND_MINUTES     = tostring(var.send_minutes)
  }
}

# --- Source -----------------------------------------------------------------------------

data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/source.zip"
  excludes    = local.source_excludes
}

resource "google_storage_bucket" "source" {
  #checkov:skip=CKV_GCP_62:Holds only zips of the public code, named by content; access logs would need a second bucket and add nothing.
  #checkov:skip=CKV_GCP_78:Objects are content-addressed and never overwritten, so versioning keeps nothing extra.
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true # holds only build inputs

  depends_on = [google_project_service.apis]
}

# Named by content, so a changed tree is a new object and the functions are rebuilt.
resource "google_storage_bucket_object" "source" {
  name   = "source/${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

# Function images, with old ones cleaned up (each deploy adds one per function).
resource "google_artifact_registry_repository" "functions" {
  #checkov:skip=CKV_GCP_84:Images are built from the public code and hold no data; Google-managed encryption suffices, CMEK would add a KMS key to manage and pay for.
  location      = var.region
  repository_id = "${var.name_prefix}-functions"
  description   = "Images of the cop-rota functions"
  format        = "DOCKER"

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 3
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"
    condition {
      older_than = "2592000s" # 30 days, unless among the 3 most recent
    }
  }

  depends_on = [google_project_service.apis]
}

# --- tick: Cloud Scheduler, every 15 minutes; only the scheduler's account may invoke ---

resource "google_cloudfunctions2_function" "tick" {
  #checkov:skip=CKV_GCP_124:Cloud Scheduler calls from outside any VPC; IAM lets only the scheduler's account invoke tick.
  name        = local.function_names.tick
  location    = var.region
  description = "Runs the jobs that are due: publishes one fanout message per community."

  build_config {
    runtime               = "python311"
    entry_point           = "tick"
    environment_variables = local.build_env
    service_account       = google_service_account.build.id
    docker_repository     = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  # Cloud Scheduler calls from outside any VPC, so internal-only ingress would block it;
  # IAM (tick_invoker in iam.tf) is what keeps everyone else out.
  service_config {
    service_account_email          = google_service_account.runtime.email
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi"
    timeout_seconds                = 120
    min_instance_count             = 0
    max_instance_count             = 1 # one tick at a time
    environment_variables          = local.cop_env

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = "latest"
    }
  }

  # Grants the build and a starting instance need (no COP_SECRET, no start).
  depends_on = [
    google_secret_manager_secret_iam_member.runtime_reads_cop_secret,
    google_project_iam_member.runtime_datastore_user,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# --- run_community: one community's jobs, per fanout message ---------------------------

resource "google_cloudfunctions2_function" "run_community" {
  #checkov:skip=CKV_GCP_124:Pub/Sub pushes from outside any VPC; IAM lets only the trigger's account invoke run_community.
  name        = local.function_names.run_community
  location    = var.region
  description = "Runs one community's due jobs (plan, reminders, digest, inbox) from a fanout message."

  build_config {
    runtime               = "python311"
    entry_point           = "run_community"
    environment_variables = local.build_env
    service_account       = google_service_account.build.id
    docker_repository     = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.runtime.email
    ingress_settings               = "ALLOW_ALL" # Pub/Sub pushes from outside any VPC; IAM guards it
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi"
    timeout_seconds                = 540 # the most an event-driven function may take
    min_instance_count             = 0
    max_instance_count             = 10
    environment_variables          = local.cop_env

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = "latest"
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.fanout.id
    retry_policy          = "RETRY_POLICY_RETRY" # jobs are claimed by key, so a retry does nothing twice
    service_account_email = google_service_account.fanout_trigger.email
  }

  # Grants the build and a starting instance need (no COP_SECRET, no start).
  depends_on = [
    google_secret_manager_secret_iam_member.runtime_reads_cop_secret,
    google_project_iam_member.runtime_datastore_user,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# --- web: public pages (unsubscribe, roster, calendar feed) ------------------------------

resource "google_cloudfunctions2_function" "web" {
  #checkov:skip=CKV_GCP_124:Public by design: mail clients and calendar apps fetch unsubscribe, roster and feed pages.
  name        = local.function_names.web
  location    = var.region
  description = "Public pages: one-click unsubscribe, the roster page and the calendar feed."

  build_config {
    runtime               = "python311"
    entry_point           = "web"
    environment_variables = local.build_env
    service_account       = google_service_account.build.id
    docker_repository     = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.web.email # no mail, no inbox
    ingress_settings               = "ALLOW_ALL" # public by design (web_public in iam.tf)
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi" # also buys CPU: faster cold starts
    timeout_seconds                = 30
    min_instance_count             = 0
    max_instance_count             = 5 # caps what a flood of requests can cost
    environment_variables          = local.cop_env

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = "latest"
    }
  }

  # Grants the build and a starting instance need (no COP_SECRET, no start).
  depends_on = [
    google_secret_manager_secret_iam_member.web_reads_cop_secret,
    google_project_iam_member.web_datastore_user,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# --- inbox: Gmail push notifications (new mail in the inbox mailbox) -------------------

resource "google_cloudfunctions2_function" "inbox" {
  #checkov:skip=CKV_GCP_124:Pub/Sub pushes from outside any VPC; IAM lets only the trigger's account invoke inbox.
  name        = local.function_names.inbox
  location    = var.region
  description = "Reads and handles the unread replies in the inbox mailbox when Gmail announces new mail."

  build_config {
    runtime               = "python311"
    entry_point           = "inbox"
    environment_variables = local.build_env
    service_account       = google_service_account.build.id
    docker_repository     = google_artifact_registry_repository.functions.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    service_account_email          = google_service_account.runtime.email
    ingress_settings               = "ALLOW_ALL" # Pub/Sub pushes from outside any VPC; IAM guards it
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi"
    timeout_seconds                = 300
    min_instance_count             = 0
    # Each notification reads every unread reply, so a few instances keep up with a burst;
    # two reading at once is harmless (each message is claimed by its Message-ID).
    max_instance_count    = 3
    environment_variables = local.cop_env

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = "latest"
    }
  }

  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.gmail_push.id
    retry_policy          = "RETRY_POLICY_RETRY" # replies are claimed by Message-ID: a retry does nothing twice
    service_account_email = google_service_account.inbox_trigger.email
  }

  # Grants the build and a starting instance need (no COP_SECRET, no start).
  depends_on = [
    google_secret_manager_secret_iam_member.runtime_reads_cop_secret,
    google_project_iam_member.runtime_datastore_user,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}
