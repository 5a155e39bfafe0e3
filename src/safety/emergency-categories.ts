/**
 * The emergency signs the safety net knows. The ids are logged and put in turn state, so keep them stable;
 * the self-harm category gets the crisis-line reply, every other one the emergency-number reply.
 */
export const emergencyCategories = [
  'bleeding',
  'coughing-or-vomiting-blood',
  'breathing',
  'chest-pain',
  'fainting',
  'seizure',
  'headache-or-vision',
  'fever-with-chills',
  'swelling',
  'black-stools-with-dizziness',
  'self-harm',
] as const;

export type EmergencyCategory = (typeof emergencyCategories)[number];
