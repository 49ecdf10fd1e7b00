import { describe, expect, it } from 'vitest';
import { tidySchemaComponents } from '../../src/producer/api/openapi-components.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe('tidySchemaComponents', () => {
  it('merges identical sides, keeps differing ones, renames lone inputs, drops the unused', () => {
    const doc = tidySchemaComponents({
      paths: {
        '/a': { post: { body: ref('OuterInput'), response: ref('Outer') } },
        '/b': { post: { body: ref('PageInput'), response: ref('Page') } },
        '/c': { post: { body: ref('OnlyInInput') } },
      },
      components: {
        schemas: {
          InnerInput: { type: 'string' },
          Inner: { type: 'string' },
          OuterInput: { type: 'object', properties: { x: ref('InnerInput') } },
          Outer: { type: 'object', properties: { x: ref('Inner') } },
          // A default makes the request side differ: both stay.
          PageInput: { type: 'integer', default: 50 },
          Page: { type: 'integer' },
          OnlyInInput: { type: 'boolean' },
          OnlyIn: { type: 'boolean' },
          ErrorInput: { type: 'object' },
        },
      },
    });
    expect(doc.components!.schemas).toEqual({
      Inner: { type: 'string' },
      Outer: { type: 'object', properties: { x: ref('Inner') } },
      PageInput: { type: 'integer', default: 50 },
      Page: { type: 'integer' },
      OnlyIn: { type: 'boolean' },
    });
    expect(doc.paths).toEqual({
      '/a': { post: { body: ref('Outer'), response: ref('Outer') } },
      '/b': { post: { body: ref('PageInput'), response: ref('Page') } },
      '/c': { post: { body: ref('OnlyIn') } },
    });
  });
});
