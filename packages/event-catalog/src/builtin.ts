import type { FirstPartyEventType } from '@hookline/contracts';

/**
 * The types Hookline's own apps publish, with the schemas of the `data` they publish (the photo-app's
 * routes build exactly these shapes). They are always in the catalog; a PUT may replace their
 * description or schema, a DELETE then restores these.
 */
export const BUILT_IN_EVENT_TYPES: Record<FirstPartyEventType, { description: string; schema: object }> = {
  LIKED_PHOTO: {
    description: 'A photo was liked (GET /like/:id).',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['photoId'],
      properties: { photoId: { type: 'string', minLength: 1, maxLength: 128 } },
    },
  },
  user_registered: {
    description: 'A user registered (POST /users).',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['userId', 'username', 'createdAt'],
      properties: {
        userId: { type: 'string' },
        username: { type: 'string', minLength: 1 },
        createdAt: { type: 'string', format: 'date-time' },
      },
    },
  },
  user_send_message: {
    description: 'A user sent a message to another (POST /users/messages).',
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      required: ['messageId', 'sender', 'recipient', 'message', 'createdAt'],
      properties: {
        messageId: { type: 'string' },
        sender: { type: 'string', minLength: 1 },
        recipient: { type: 'string', minLength: 1 },
        subject: { type: 'string' },
        message: { type: 'string' },
        createdAt: { type: 'string', format: 'date-time' },
      },
    },
  },
};
