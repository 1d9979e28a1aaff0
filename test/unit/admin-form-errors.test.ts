import { describe, expect, it } from 'vitest';
import { formErrors } from '../../functions/admin/console.ts';
import { conflictOn } from '../../functions/admin/operations.ts';
import { ForbiddenError, ValidationError } from '../../libs/http/index.ts';

const clientForm = { form: 'client', first: 'client_name' };
const invalid = (...params: [string, string][]) =>
  new ValidationError(
    'the form is not valid',
    params.map(([name, reason]) => ({ name, reason })),
  );

describe('the admin console’s form errors', () => {
  it('names an indexed field in words, with an action, in either language', () => {
    const values = new URLSearchParams({ client_name: 'Bills', redirect_uris: 'not an address' });
    const err = invalid(['redirect_uris.0', 'must be an https URL']);
    expect(formErrors('en', clientForm, err, values, (id) => id)).toEqual([
      {
        field: 'redirect_uris',
        message: 'Enter redirect address 1 as a full address starting with https://',
      },
    ]);
    expect(formErrors('zh-CN', clientForm, err, values, (id) => id)).toEqual([
      { field: 'redirect_uris', message: '回调地址 1须为以 https:// 开头的完整地址' },
    ]);
  });

  it('asks for an empty field, and gives a wrong one the field’s own advice', () => {
    const values = new URLSearchParams({ departmentId: '', uscc: '11100000000010001X' });
    const err = invalid(['departmentId', 'a short lower-case id'], ['uscc', 'check character']);
    const errors = formErrors('en', { form: 'department', first: 'departmentId' }, err, values, (id) => id);
    expect(errors.map((e) => e.message)).toEqual([
      'Enter department id',
      'Enter the 18-character unified social credit code as on the business licence; check its last character',
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/check character|lower-case id/);
  });

  it('says whose credit code it is, by name in the page’s language', () => {
    const err = conflictOn('uscc', 'taken', { holder: 'tax' });
    const [error] = formErrors(
      'zh-CN',
      { form: 'department', first: 'departmentId' },
      err,
      new URLSearchParams({ uscc: '111000000000184210' }),
      () => '税务局',
    );
    expect(error).toEqual({
      field: 'uscc',
      message: '该统一社会信用代码已登记在“税务局”部门名下。请核对代码，或使用该部门',
    });
  });

  it('points an error of no field at the form, in words and never in the operation’s English', () => {
    const err = new ForbiddenError('you asked for this change; another administrator must approve it');
    expect(
      formErrors(
        'zh-CN',
        { form: 'approve', first: 'staff-requests' },
        err,
        new URLSearchParams(),
        (id) => id,
      ),
    ).toEqual([
      {
        field: 'staff-requests',
        message: '此操作须由另一名管理员完成：您不能批准自己的申请，也不能修改自己的账户',
      },
    ]);
  });

  it('points a choice’s error at its first option', () => {
    const err = invalid(['zones', 'at least one zone']);
    expect(
      formErrors(
        'en',
        { form: 'department', first: 'departmentId', ids: { zones: 'zone-public' } },
        err,
        new URLSearchParams(),
        (id) => id,
      ),
    ).toEqual([{ field: 'zone-public', message: 'Choose at least one zone' }]);
  });

  it('names a field as its own form labels it', () => {
    const err = invalid(['name', 'too short'], ['loginName', 'bad']);
    const values = new URLSearchParams({ name: '', loginName: 'a b' });
    expect(
      formErrors(
        'en',
        { form: 'api', first: 'audience', labels: { name: 'admin_name' } },
        err,
        values,
        (id) => id,
      ),
    ).toEqual([
      { field: 'name', message: 'Enter name' },
      {
        field: 'loginName',
        message: 'Enter a login name of 3 to 64 letters, digits, dots, hyphens, underscores or @',
      },
    ]);
  });
});
