// The content lifecycle the tests drive with the contentful-management
// plain client: a content type, then an entry and an asset from creation to
// deletion.

/** The id of the content type the entries use. */
export const CONTENT_TYPE_ID = 'e2ePost';

/** The locale every field is written in. */
export const LOCALE = 'en-US';

/**
 * Runs the lifecycle. After every write that Contentful reports with a
 * webhook, it awaits step(topic, entity) with the topic (without the
 * "ContentManagement." prefix) and the entity the write was about.
 * Asset processing is not such a write: Contentful documents no topic for it.
 *
 * @param {import('contentful-management').PlainClientAPI} client a plain client with spaceId and environmentId defaults
 * @param {(topic: string, entity: {sys: {id: string}}) => Promise<void>} step
 * @returns {Promise<{entryId: string, assetId: string}>}
 */
export async function runLifecycle(client, step) {
  let contentType = await client.contentType.createWithId(
    { contentTypeId: CONTENT_TYPE_ID },
    {
      name: 'E2E post',
      displayField: 'title',
      fields: [{ id: 'title', name: 'Title', type: 'Symbol', localized: false, required: true }],
    },
  );
  await step('ContentType.create', contentType);
  contentType = await client.contentType.publish({ contentTypeId: CONTENT_TYPE_ID }, contentType);
  await step('ContentType.publish', contentType);

  let entry = await client.entry.create({ contentTypeId: CONTENT_TYPE_ID }, { fields: { title: { [LOCALE]: 'Hello' } } });
  await step('Entry.create', entry);
  const entryId = entry.sys.id;
  entry.fields.title[LOCALE] = 'Hello again';
  entry = await client.entry.update({ entryId }, entry);
  await step('Entry.save', entry);
  entry = await client.entry.publish({ entryId }, entry);
  await step('Entry.publish', entry);
  entry = await client.entry.unpublish({ entryId });
  await step('Entry.unpublish', entry);
  entry = await client.entry.archive({ entryId });
  await step('Entry.archive', entry);
  entry = await client.entry.unarchive({ entryId });
  await step('Entry.unarchive', entry);
  await client.entry.delete({ entryId });
  await step('Entry.delete', entry);

  let asset = await client.asset.create(
    {},
    {
      fields: {
        title: { [LOCALE]: 'Pixel' },
        file: { [LOCALE]: { contentType: 'image/png', fileName: 'pixel.png', upload: 'https://example.com/pixel.png' } },
      },
    },
  );
  await step('Asset.create', asset);
  const assetId = asset.sys.id;
  asset = await client.asset.processForLocale({}, asset, LOCALE, { processingCheckWait: 100 });
  asset = await client.asset.publish({ assetId }, asset);
  await step('Asset.publish', asset);
  asset = await client.asset.unpublish({ assetId });
  await step('Asset.unpublish', asset);
  asset = await client.asset.archive({ assetId });
  await step('Asset.archive', asset);
  asset = await client.asset.unarchive({ assetId });
  await step('Asset.unarchive', asset);
  await client.asset.delete({ assetId });
  await step('Asset.delete', asset);

  return { entryId, assetId };
}
