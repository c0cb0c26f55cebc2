// Package followup follows the actions a CMS carries out after the write
// that asked for them: bulk actions, release actions and scheduled actions.
// The gateway sees only the write that starts such an action; the CMS
// publishes or unpublishes the entities later, on its own. A Runner asks the
// CMS for the action's status until it has run, then fetches every entity it
// touched and derives the events Contentful sends: one publish or unpublish
// per entity, carrying the action's context headers
// (x-contentful-bulk-action-id, x-contentful-scheduled-action-id,
// x-contentful-release-id, x-contentful-release-action-id and
// x-contentful-release-version), and the action's own execute event.
//
// The package does not import Caddy. The caller persists each Action with
// the write that started it, supplies a Fetcher that reaches the CMS and a
// Sink that queues the events and forgets the action in one commit.
package followup
