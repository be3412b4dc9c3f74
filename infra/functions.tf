# The four Cloud Functions (gen2), built from a zip of the repository root.

locals {
  # Paths left out of the source zip, relative to the repository root (glob patterns).
  # Cloud Functions installs requirements.txt; tests, tooling and local state stay home.
  source_excludes = [
    ".env", # local settings and secrets never leave the machine
    ".env.*",
    "**/.env",
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

  # The entry points live in functions/entrypoints/cloud.py (the package `functions`), not in a
  # main.py at the root: the buildpack is told where they are.
  build_env = {
    GOOGLE_FUNCTION_SOURCE = "functions/entrypoints/cloud.py"
  }

  # Settings of every function (functions/config.py). COP_SECRET is not here: it comes
  # from Secret Manager (secret_environment_variables below).
  cop_env = {
    COP_STORE            = "firestore://${var.project_id}/${google_firestore_database.main.name}"
    COP_MAIL             = "gmail://${var.sender}"
    COP_INBOX            = "gmail://${coalesce(var.inbox_mailbox, var.sender)}"
    COP_CALENDAR         = "google://${coalesce(var.calendar_id, var.sender)}"
    COP_FANOUT           = "pubsub://${google_pubsub_topic.fanout.id}"
    COP_UNSUBSCRIBE      = "pubsub://${google_pubsub_topic.unsubscribe.id}" # web publishes there
    COP_GMAIL_TOPIC      = google_pubsub_topic.gmail_push.id # tick renews the inbox's watch
    COP_PUBLIC_URL       = local.public_url
    COP_REPLY_TO         = coalesce(var.reply_to, var.inbox_mailbox, var.sender)
    COP_TRUSTED_AUTHSERV = var.trusted_authserv
    COP_MAIL_RATE        = tostring(var.mail_rate)
    COP_MAIL_DAILY_CAP   = tostring(var.mail_daily_cap)
    COP_SEND_MINUTES     = tostring(var.send_minutes)
    COP_IAP_AUDIENCE     = local.console_audience # read by the console alone (console.tf)
  }

  # Only for the functions that act as the rota's mailbox (not web): its own OAuth consent.
  mailbox_secrets = {
    COP_GOOGLE_OAUTH = {
      secret  = google_secret_manager_secret.gmail_oauth.secret_id
      version = var.gmail_oauth_secret_version
    }
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

# --- The functions: one for_each over the map below --------------------------------------
# Every function runs the same source and settings, and is called over HTTP. They differ
# in entry point, limits, identity, ingress and the secrets they read.

locals {
  # Called over HTTP: tick by Cloud Scheduler (IAM lets only its account invoke it), web by
  # anyone (the public pages). Both keep ingress ALLOW_ALL: Cloud Scheduler and mail
  # clients call from outside any VPC; IAM is what guards tick (invoker in iam.tf). The
  # console is reached only through its load balancer, where IAP guards it (console.tf).
  http_functions = {
    tick = {
      description     = "Runs the jobs that are due: publishes one fanout message per community."
      account         = google_service_account.tick.email
      timeout_seconds = 120
      max_instances   = 1 # one tick at a time
      ingress         = "ALLOW_ALL"
      secrets         = local.mailbox_secrets # renews the inbox's watch, reads the calendar
    }
    web = {
      description     = "Public pages: one-click unsubscribe, the roster page and the calendar feed."
      account         = google_service_account.web.email # no mail, no inbox
      timeout_seconds = 30
      max_instances   = 5 # caps what a flood of requests can cost
      ingress         = "ALLOW_ALL"
      secrets         = {}
    }
    console = {
      description     = "The organiser's console, behind Identity-Aware Proxy."
      account         = google_service_account.console.email # its actions send mail
      timeout_seconds = 60
      max_instances   = 2
      ingress         = "ALLOW_INTERNAL_AND_GCLB" # only through the load balancer
      secrets         = local.mailbox_secrets # its actions send as the rota's mailbox
    }
    # Called by their Pub/Sub push subscriptions (pubsub.tf), from outside any VPC; IAM lets
    # only each subscription's OIDC account invoke. An answer other than 2xx makes Pub/Sub
    # deliver again, with backoff, up to the dead-letter topic; mail and replies are
    # claimed by key, so a redelivery does nothing twice.
    run_community = {
      description     = "Runs one community's due jobs (plan, reminders, digest, inbox) from a fanout message."
      account         = google_service_account.run_community.email
      timeout_seconds = 540 # within the push subscription's ack deadline (600 s at most)
      max_instances   = 10
      ingress         = "ALLOW_ALL"
      secrets         = local.mailbox_secrets # sends as the rota's mailbox
    }
    inbox = {
      description     = "Reads and handles the unread replies in the inbox mailbox when Gmail announces new mail."
      account         = google_service_account.inbox.email
      timeout_seconds = 300
      # Each notification reads every unread reply, so a few instances keep up with a burst;
      # two reading at once is harmless (each message is claimed by its Message-ID).
      max_instances = 3
      ingress       = "ALLOW_ALL"
      secrets       = local.mailbox_secrets # reads and answers as the rota's mailbox
    }
    unsubscribe = {
      description     = "Takes off the rota a member whose one-click unsubscribe the web function published."
      account         = google_service_account.unsubscribe.email
      timeout_seconds = 60
      max_instances   = 2
      ingress         = "ALLOW_ALL"
      secrets         = {} # checks the token with COP_SECRET; sends nothing
    }
  }
}

resource "google_cloudfunctions2_function" "http" {
  #checkov:skip=CKV_GCP_124:tick: Cloud Scheduler calls from outside any VPC and IAM lets only its account invoke; run_community, inbox: Pub/Sub pushes from outside any VPC and IAM lets only each subscription's account invoke; web: public by design; console: load balancer only, behind IAP.
  for_each    = local.http_functions
  name        = local.function_names[each.key]
  location    = var.region
  description = each.value.description

  build_config {
    runtime               = "python311"
    entry_point           = each.key
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
    service_account_email          = each.value.account
    ingress_settings               = each.value.ingress
    all_traffic_on_latest_revision = true
    available_memory               = "512Mi" # also buys CPU: faster cold starts
    timeout_seconds                = each.value.timeout_seconds
    min_instance_count             = 0
    max_instance_count             = each.value.max_instances
    environment_variables          = local.cop_env

    secret_environment_variables {
      key        = "COP_SECRET"
      project_id = local.project_number
      secret     = google_secret_manager_secret.cop.secret_id
      version    = var.secret_version # pinned: a new value is deployed, never picked up
    }

    dynamic "secret_environment_variables" {
      for_each = each.value.secrets
      content {
        key        = secret_environment_variables.key
        project_id = local.project_number
        secret     = secret_environment_variables.value.secret
        version    = secret_environment_variables.value.version
      }
    }
  }

  # Grants the build and a starting instance need (no COP_SECRET, no start).
  depends_on = [
    google_secret_manager_secret_iam_member.reads_cop_secret,
    google_secret_manager_secret_iam_member.reads_gmail_oauth,
    google_project_iam_member.datastore_user,
    google_project_iam_member.web_datastore_viewer,
    google_project_iam_member.build_log_writer,
    google_project_iam_member.build_function_buckets,
    google_storage_bucket_iam_member.build_reads_source,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# The functions were four resources before: these keep a deployed project's functions
# (no destroy and create) when the configuration moves to the maps above.
moved {
  from = google_cloudfunctions2_function.tick
  to   = google_cloudfunctions2_function.http["tick"]
}

moved {
  from = google_cloudfunctions2_function.web
  to   = google_cloudfunctions2_function.http["web"]
}

moved {
  from = google_cloudfunctions2_function.run_community
  to   = google_cloudfunctions2_function.event["run_community"]
}

moved {
  from = google_cloudfunctions2_function.inbox
  to   = google_cloudfunctions2_function.event["inbox"]
}

# run_community and inbox had Eventarc triggers, whose subscriptions could carry no
# dead-letter topic: push subscriptions call them over HTTP now (pubsub.tf). Losing the
# trigger replaces each function once; its URL, derived from its name, stays.
moved {
  from = google_cloudfunctions2_function.event["run_community"]
  to   = google_cloudfunctions2_function.http["run_community"]
}

moved {
  from = google_cloudfunctions2_function.event["inbox"]
  to   = google_cloudfunctions2_function.http["inbox"]
}
