variable "project_id" {
  description = "Google Cloud project that holds everything."
  type        = string
}

variable "region" {
  description = "Region of the functions, the scheduler job, the source bucket and the image repository."
  type        = string
  default     = "us-central1"
}

variable "firestore_location" {
  description = "Firestore location (a region such as australia-southeast1, or a multi-region such as nam5). Unset: var.region. Cannot be changed after creation."
  type        = string
  default     = null
}

variable "firestore_database" {
  description = "Firestore database id; COP_STORE points at it."
  type        = string
  default     = "(default)"
}

variable "firestore_delete_protection" {
  description = "Refuse to delete the Firestore database (terraform destroy leaves it in place either way; see README)."
  type        = bool
  default     = true
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions, service accounts, topics, bucket)."
  type        = string
  default     = "cop"

  validation {
    # Keeps service-account ids (6-30 chars) and the deterministic run.app host short enough.
    condition     = can(regex("^[a-z][a-z0-9-]{1,11}$", var.name_prefix))
    error_message = "name_prefix: 2-12 characters, lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "sender" {
  description = "Workspace mailbox the system sends as (COP_MAIL=gmail://SENDER); also whose calendar is used unless calendar_id is set."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.sender))
    error_message = "sender must be an email address."
  }
}

variable "inbox_mailbox" {
  description = "Workspace mailbox whose replies are read (COP_INBOX=gmail://MAILBOX). Unset: sender."
  type        = string
  default     = null
}

variable "calendar_id" {
  description = "Google Calendar id the sessions are written to (COP_CALENDAR=google://CALENDAR_ID). Unset: the sender's primary calendar."
  type        = string
  default     = null
}

variable "reply_to" {
  description = "Default reply address (COP_REPLY_TO), plus-addressed per member; must deliver to the inbox mailbox. Unset: the inbox mailbox."
  type        = string
  default     = null
}

variable "trusted_authserv" {
  description = "authserv-id whose Authentication-Results header is trusted (COP_TRUSTED_AUTHSERV)."
  type        = string
  default     = "mx.google.com"
}

variable "mail_rate" {
  description = "Messages a minute the sender sends (COP_MAIL_RATE); Gmail allows about 150."
  type        = number
  default     = 140
}

variable "mail_daily_cap" {
  description = "Messages a day one sender may send (COP_MAIL_DAILY_CAP); Workspace allows 2,000. Organisers of a community whose digest would exceed it are told."
  type        = number
  default     = 2000
}

variable "send_minutes" {
  description = "Minutes a run_community invocation spends sending (COP_SEND_MINUTES) before leaving the rest to the next tick; keep it well under the function's 540 s timeout."
  type        = number
  default     = 5
}

variable "public_url" {
  description = "Base HTTPS URL of the web function (COP_PUBLIC_URL), e.g. a custom domain. Unset: the deterministic Cloud Run URL of the web function."
  type        = string
  default     = null

  validation {
    condition     = var.public_url == null || can(regex("^https://", var.public_url))
    error_message = "public_url must start with https://."
  }
}

variable "secret_id" {
  description = "Secret Manager secret holding COP_SECRET (its value is added with gcloud, never by Terraform)."
  type        = string
  default     = "cop-secret"
}

variable "gmail_oauth_secret_id" {
  description = "Secret Manager secret holding the rota mailbox's own OAuth consent: authorized_user JSON (client_id, client_secret, refresh_token) with \"account\", the mailbox."
  type        = string
  default     = "cop-gmail-oauth"
}

variable "gmail_oauth_secret_version" {
  description = "The version of the OAuth consent secret the functions run with (pinned, like secret_version)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.gmail_oauth_secret_version))
    error_message = "gmail_oauth_secret_version must be a version number, not \"latest\"."
  }
}

variable "secret_version" {
  description = "The version of the COP_SECRET secret the functions run with (a number: pinned, so that a new value reaches them by an apply, never by surprise)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.secret_version))
    error_message = "secret_version must be a version number, not \"latest\"."
  }
}

variable "alert_email" {
  description = "Where alerts go: function errors, dead letters waiting, no tick for an hour, Gmail 429s, the sender's daily limit reached, and the budget."
  type        = string
}

variable "billing_account" {
  description = "Billing account ID (XXXXXX-XXXXXX-XXXXXX) for the project's budget; unset: no budget."
  type        = string
  default     = null
}

variable "budget_amount" {
  description = "The monthly budget, in budget_currency."
  type        = number
  default     = 50
}

variable "budget_currency" {
  description = "The currency of the billing account."
  type        = string
  default     = "USD"
}

variable "labels" {
  description = "Labels put on every resource that takes labels."
  type        = map(string)
  default = {
    app = "cop-rota"
  }
}
