import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/config/load-config';
import { detectMedicalDecisionRequest, loadMedicalDecisionLexiconDetector } from '../../src/safety/medical-decision-detector';

/**
 * A study question (taking part, leaving, what the study requires) cancels a decision only in its own sentence
 * or Chinese clause: a decision asked in another sentence of the same message is still deflected.
 */
const patterns = loadMedicalDecisionLexiconDetector(projectRoot);

describe('medical-decision check: a study question is scoped to its sentence', () => {
  it.each([
    ["I'd like to join the study. Should I stop my blood pressure pills?"],
    ['Should I stop my blood pressure pills? I would also like to join the study.'],
    ['We want to take part in the trial! Can dad skip his chemo next week?'],
    ['我想参加这个研究。要不要先停掉降压药？'],
    ['要不要先停掉降压药？我也想问问参加研究的事。'],
    ['我想參加研究，我應唔應該停咗啲血壓藥？'],
    // The study questions these follow once needed a guard against 'should' anywhere in the message.
    ['My doctor suggested stopping chemo. Should I? Would that affect my chances of joining?'],
    ['Will the study doctors check my blood? Should I stop my aspirin?'],
    ['What happens if a patient stops the drug? Should I stop mine?'],
    // An English question, a comma, then a second question: each is read on its own.
    ['do i need to stop my warfarin before joining, can i just stop it myself'],
    ['Does the study allow metformin, should my dad stop it anyway?'],
  ])('deflects %s', (text) => {
    expect([patterns(text), detectMedicalDecisionRequest(text)]).toEqual([true, true]);
  });

  it.each([
    ['Can I stop taking part in the study at any time?'],
    ['If I join, can I still decide to stop anytime?'],
    ['Do I have to stop my current medicines to join?'],
    ['My oncologist suggested stopping chemo a year ago. Is that a problem for eligibility?'],
    ['如果我退出研究，原来的治疗还能继续吗'],
    ['参加研究之后，我原本的治疗怎么办'],
    ['他担心要停掉现在的药，参加以后会有人说明吗'],
    ['研究期间如果副作用太大，医生会让停药吗'],
    ['Would that affect my chances of joining, given I stopped chemo last year?'],
    ['What happens if a participant stops the study drug early?'],
    ['Do I have to stop my insulin before the screening visit, or can I keep taking it until then?'],
    ['Is there parking at the hospital, can we come by car?'],
    ['If I join, can I stop at any time?'],
  ])('does not deflect the study question %s', (text) => {
    expect([patterns(text), detectMedicalDecisionRequest(text)]).toEqual([false, false]);
  });
});
