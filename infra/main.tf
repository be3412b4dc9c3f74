# Providers, the project's APIs and the values every other file shares.

terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.5" # 2.5 added glob patterns (**/__pycache__) to archive_file excludes
    }
  }
}

provider "google" {
  project        = var.project_id
  region         = var.region
  default_labels = var.labels
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  project_number     = data.google_project.this.number
  firestore_location = coalesce(var.firestore_location, var.region)

  # Every API the functions, their build and their triggers need.
  apis = [
    "artifactregistry.googleapis.com",     # function images
    "calendar-json.googleapis.com",        # Google Calendar (COP_CALENDAR=google://)
    "cloudbuild.googleapis.com",           # builds the functions from source
    "cloudfunctions.googleapis.com",       # Cloud Functions gen2
    "cloudresourcemanager.googleapis.com", # project lookups
    "cloudscheduler.googleapis.com",       # the 15-minute tick
    "compute.googleapis.com",              # the console's load balancer
    "firestore.googleapis.com",            # COP_STORE=firestore://
    "gmail.googleapis.com",                # COP_MAIL / COP_INBOX=gmail://
    "iam.googleapis.com",                  # service accounts
    "iap.googleapis.com",                  # Identity-Aware Proxy in front of the console
    "billingbudgets.googleapis.com",       # the budget
    "iamcredentials.googleapis.com",       # keyless domain-wide delegation (signJwt)
    "logging.googleapis.com",              # log-based metrics of the alerts
    "monitoring.googleapis.com",           # alert policies
    "pubsub.googleapis.com",               # fanout and Gmail push topics
    "run.googleapis.com",                  # gen2 functions are Cloud Run services
    "secretmanager.googleapis.com",        # COP_SECRET
    "storage.googleapis.com",              # the source bucket
  ]

  # Function (and Cloud Run service) names: lowercase letters, digits and hyphens.
  function_names = {
    tick          = "${var.name_prefix}-tick"
    run_community = "${var.name_prefix}-run-community"
    web           = "${var.name_prefix}-web"
    inbox         = "${var.name_prefix}-inbox"
    console       = "${var.name_prefix}-console"
    unsubscribe   = "${var.name_prefix}-unsubscribe"
  }

  # COP_PUBLIC_URL: the web function cannot be given its own URL (a resource cannot
  # refer to itself), so the default is the URL Cloud Run derives from the service
  # name, the project number and the region, known before anything is deployed:
  # https://SERVICE-PROJECT_NUMBER.REGION.run.app (README: "The public URL").
  public_url = trimsuffix(coalesce(
    var.public_url,
    "https://${local.function_names.web}-${local.project_number}.${var.region}.run.app",
  ), "/")

  pubsub_service_agent = "service-${local.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "apis" {
  for_each = toset(local.apis)

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false # other things in the project may use them too
}
