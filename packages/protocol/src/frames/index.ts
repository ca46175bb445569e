export * from './chat';
export * from './connection';
export * from './guild';
export * from './presence';
export * from './recording';
export * from './requests';
export * from './rooms';
export * from './system';
