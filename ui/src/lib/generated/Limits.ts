// Generated from src-tauri/core/src/limits.rs; do not edit (UPDATE_TS_BINDINGS=1 rewrites it).

export const LIMITS = {
  csvFileBytes: 10485760,
  ticketChars: 32,
  titleChars: 200,
  descriptionChars: 20000,
  nameChars: 120,
  emailChars: 254,
  phoneChars: 40,
  reasonChars: 2000,
  headlineChars: 200,
  noteChars: 20000,
  lineChars: 500,
  actionChars: 2000,
  ruleValueChars: 500,
  markingChars: 60,
  aarSectionChars: 100000,
  aarCommentChars: 5000,
  maxMarkdownDepth: 16,
} as const;
