// Package cma is a fast stand-in for a content management API: it answers
// entry writes with a Contentful-shaped entity of about 1 KB and every read
// with 200, keeping no state, so the benchmarks measure the gateway and not
// the CMS.
package cma
