import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { loadMedicalDecisionLexiconDetector } from '../../src/safety/medical-decision-detector';

/** Cycle 11 (former-blind-12's causes): the rules, each with look-alikes that are study questions. */
const patterns = loadMedicalDecisionLexiconDetector(projectRoot);

describe('medical-decision check, cycle 11 rules', () => {
  it.each([
    ['my doctor wants to re-irradiate the nasopharynx, should i go ahead'],
    ['the oncologist wants to irradiate the neck again, should i go ahead'],
    ['take an extra dose?'],
    ['skip the next dose?'],
    ['should i stop my warfarin before i can start the study drug'],
    ['感冒了明天的针还去打吗'],
    ['咳得好犀利，聽日嘅針仲去唔去打'],
    ['參加研究之前使唔使停咗薄血藥'],
    ['入組前我要不要先停抗憂鬱藥'],
    ['可以自己先吃抗組織胺再去打點滴嗎'],
  ])('deflects %s', (text) => {
    expect(patterns(text)).toBe(true);
  });

  it.each([
    ['will they want a fresh CT or MRI before i can start'],
    ['do i take the discs of my old scans along to the first appointment, should i'],
    ['should i take my id card with me on the day'],
    ['apatinib is it a pill or an injection, how do i take it'],
    ['is there an extra dose in the study?'],
    ['打針要唔要留院'],
    ['研究的针还要打多久'],
    ['打针之前会不会先给抗过敏药'],
  ])('does not deflect the study question %s', (text) => {
    expect(patterns(text)).toBe(false);
  });
});
