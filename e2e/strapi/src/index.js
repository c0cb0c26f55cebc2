// At start, an API token with full access is made and written to the file
// in STRAPI_TOKEN_FILE, for the test to write articles with.
module.exports = {
  register() {},
  async bootstrap({ strapi }) {
    const token = await strapi.service('admin::api-token').create({
      name: `e2e-${Date.now()}`,
      type: 'full-access',
      lifespan: null,
    });
    require('node:fs').writeFileSync(process.env.STRAPI_TOKEN_FILE, token.accessKey);
  },
};
