/**
 * The emergency signs the safety net knows. The ids are logged and put in turn state, so keep them stable;
 * the self-harm category gets the crisis-line reply, every other one the emergency-number reply.
 */
export const emergencyCategories = [
  'bleeding',
  'breathing',
  'consciousness',
  'stroke',
  'chest',
  'seizure',
  'allergic-infusion',
  'fever-chills',
  'blood-pressure',
  'self-harm',
] as const;

export type EmergencyCategory = (typeof emergencyCategories)[number];
